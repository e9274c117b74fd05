// Logs go to stderr, results to stdout: a stage only ever logs through this.

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function stderrLogger(options: { json?: boolean; quiet?: boolean } = {}): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (options.quiet && level === 'info') return;
    if (options.json) {
      process.stderr.write(JSON.stringify({ level, message, ...fields, time: new Date().toISOString() }) + '\n');
    } else {
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      process.stderr.write(`${level === 'info' ? '' : level + ': '}${message}${extra}\n`);
    }
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string, f?: Record<string, unknown>) => lines.push(`${level} ${m}${f ? ' ' + JSON.stringify(f) : ''}`);
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}
