import Database from 'better-sqlite3';
import { afterAll, afterEach } from 'vitest';
import { createSqliteTokenStore } from '../../src/sqlite/index.js';
import { describeStoredTrust, TAMPERED_GRANTS } from '../support/stored-trust.js';
import { tempFolder } from './helpers.js';

const folder = tempFolder('stored-trust');
const opened: Database.Database[] = [];
let files = 0;

afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});
afterAll(() => folder.dispose());

describeStoredTrust('SQLite file, rows edited with SQL', async () => {
  const db = new Database(folder.file(`trust-${++files}.db`));
  opened.push(db);
  const store = createSqliteTokenStore(db, { migrate: true });
  // A second connection does the editing, as a person at the sqlite3 prompt would.
  const editor = new Database(db.name);
  opened.push(editor);
  return {
    store,
    async tamper(id, how) {
      if (how === 'malformed') {
        // The schema refuses text that is not JSON; someone who switches the check off is exactly who this is for.
        editor.pragma('ignore_check_constraints = ON');
        editor.prepare('UPDATE oat_tokens SET resources = ? WHERE id = ?').run('[{"type":"repository","path":', id);
        return;
      }
      editor.prepare('UPDATE oat_tokens SET resources = ? WHERE id = ?').run(TAMPERED_GRANTS[how], id);
    },
  };
}, ['member-edit', 'other-org', 'public-push', 'unknown-scope', 'malformed']);
