import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A fresh temporary folder for each test of the enclosing `describe` (removed after it).
 * Returns a getter: call it inside a test for the current folder.
 */
export function useTempDir(prefix: string): () => string {
  let dir = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
