import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';

// npx tsx notebooks/harness/kernel.ts [--prefix DIR]   (run by `npm run notebooks:setup`)
//
// Installs the Jupyter kernel the notebooks name, `observatory-typescript`: tslab (npm, in its own
// folder notebooks/kernel/, as its TypeScript would take the project's `tsc`) on this Node, with the
// TypeScript loader (tsx) and the harness's helpers (kernel-prelude.ts) loaded first. Without --prefix the
// kernel goes to the user's Jupyter data folder (`jupyter --data-dir`); with it, to
// DIR/share/jupyter/kernels (JUPYTER_PATH=DIR/share/jupyter finds it).

export const KERNEL_NAME = 'observatory-typescript';
const HARNESS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = path.resolve(HARNESS_DIR, '..', '..');
/** the kernel's own npm package (package.json and lock), installed with `npm ci --prefix` */
export const KERNEL_PACKAGE_DIR = path.resolve(HARNESS_DIR, '..', 'kernel');

export interface KernelSpec {
  readonly argv: string[];
  readonly display_name: string;
  readonly language: 'typescript';
  readonly env: Record<string, string>;
}

export function kernelSpec(): KernelSpec {
  const tslab = path.join(KERNEL_PACKAGE_DIR, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!existsSync(tslab)) throw new Error(`tslab is not installed in ${KERNEL_PACKAGE_DIR}: run \`npm ci --prefix notebooks/kernel\` (or \`npm run notebooks:setup\`)`);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const helpers = pathToFileURL(path.join(HARNESS_DIR, 'kernel-prelude.ts')).href;
  return {
    // this Node, whatever the PATH of the Jupyter server
    argv: [process.execPath, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (observatory harness)',
    language: 'typescript',
    env: { NODE_OPTIONS: `--import ${tsx} --import ${helpers}` },
  };
}

function jupyterDataDir(): string {
  try {
    return execFileSync('jupyter', ['--data-dir'], { encoding: 'utf8' }).trim();
  } catch (e) {
    throw new Error(`Jupyter is not installed (\`jupyter --data-dir\` failed: ${(e as Error).message.split('\n')[0]}): run \`npm run notebooks:setup\`, or give --prefix`, { cause: e });
  }
}

/** writes kernel.json; returns its folder */
export async function installKernel(options: { prefix?: string } = {}): Promise<string> {
  const dataDir = options.prefix ? path.join(path.resolve(options.prefix), 'share', 'jupyter') : jupyterDataDir();
  const dir = path.join(dataDir, 'kernels', KERNEL_NAME);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'kernel.json'), JSON.stringify(kernelSpec(), null, 1) + '\n');
  return dir;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('kernel.ts')
    .description(`install the Jupyter kernel ${KERNEL_NAME} (tslab with the notebooks' helpers)`)
    .option('--prefix <dir>', 'install under DIR/share/jupyter/kernels instead of the user’s Jupyter data folder')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? 0 : 2;
    throw e;
  }
  try {
    const dir = await installKernel(program.opts<{ prefix?: string }>());
    process.stderr.write(`kernel ${KERNEL_NAME} installed in ${dir}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`kernel.ts: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
