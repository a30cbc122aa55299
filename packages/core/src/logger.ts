export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Plain line logger to a writable (stderr by default); the CLI picks the level. */
export function createLogger(options: {
  level?: LogLevel;
  scope?: string;
  write?: (line: string) => void;
} = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const make = (scope: string | undefined): Logger => {
    const log = (l: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
      if (order[l] < order[level]) return;
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      write(`${l === 'info' ? '' : l + ': '}${scope ? `[${scope}] ` : ''}${message}${extra}`);
    };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (s) => make(scope ? `${scope}/${s}` : s),
    };
  };
  return make(options.scope);
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
