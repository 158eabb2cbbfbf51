/**
 * Prelude `registry`: the host's repository catalog, which says which
 * repositories are public.
 */
export const myRepos = {
  isPublic: async (name: string): Promise<boolean> => name.startsWith('library/'),
};
