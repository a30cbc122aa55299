import type { CommandEntry } from './commands/index.js';

/** The top of `naslab --help` (yargs' usage) and its last line (yargs' epilogue). */
export const USAGE = '$0 <command> [options]\n\nFair NAS experiments: search, train from scratch, relative improvement over random sampling.';
export const EPILOGUE = 'Exit codes: 0 ok, 1 job failures, 2 bad input, 3 internal error.';

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/**
 * `naslab --help` as yargs lays it out at 80 columns, written without loading yargs (≈ 50 ms of
 * start-up): a test compares the two, so the text stays the one yargs would print.
 */
export function topLevelHelp(commands: readonly CommandEntry[], width = 80): string {
  const out: string[] = [];
  for (const paragraph of USAGE.replace('$0', 'naslab').split('\n\n')) out.push(...wrap(paragraph, width), '');
  out.push('Commands:');
  const names = commands.map((c) => `naslab ${c.command}`);
  const column = 2 + Math.max(...names.map((n) => n.length)) + 2;
  commands.forEach((c, i) => {
    const [first, ...rest] = wrap(c.describe, width - column);
    out.push(`  ${names[i]!.padEnd(column - 2)}${first}`, ...rest.map((l) => `${' '.repeat(column)}${l}`));
  });
  out.push('', 'Options:');
  const options = [
    ['--help', 'Show help'],
    ['--version', 'Show version number'],
  ] as const;
  const optionColumn = 2 + Math.max(...options.map(([o]) => o.length)) + 2;
  for (const [name, describe] of options) {
    const left = `  ${name.padEnd(optionColumn - 2)}${describe}`;
    out.push(`${left}${'[boolean]'.padStart(width - left.length)}`);
  }
  out.push('', EPILOGUE);
  return `${out.join('\n')}\n`;
}
