// Project-local Python installs for the emulators that PyPI ships: each lives in
// its own venv under .cache/python/<name>, pinned, and is reused once complete.
import { join } from 'node:path';
import { CACHE_DIR, installAtomically, isInstalled } from './paths.ts';
import { runCommand } from './process.ts';

const PYTHON = process.env.DATAMOTION_PYTHON ?? 'python3';

/** Returns the venv's python executable, creating the venv on first use. */
export async function ensureVenv(
  name: string,
  requirements: string[],
  log: (line: string) => void,
): Promise<string> {
  const dir = join(CACHE_DIR, 'python', name);
  const spec = requirements.join(' ');
  if (!(await isInstalled(dir, spec))) {
    log(`${name}: installing ${spec} from PyPI into ${dir} (first run only)`);
    await installAtomically(dir, spec, async (scratch) => {
      await runCommand(PYTHON, ['-m', 'venv', scratch], { label: `Creating a Python venv for ${name}` });
      await runCommand(
        join(scratch, 'bin', 'python'),
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements],
        { label: `pip install ${spec}` },
      );
    });
  }
  // The venv was built under a scratch name and renamed; python finds its
  // site-packages from pyvenv.cfg beside it, so the rename is harmless as long
  // as we call the interpreter (never the generated console scripts).
  return join(dir, 'bin', 'python');
}
