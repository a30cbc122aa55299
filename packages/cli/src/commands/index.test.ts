import { describe, expect, it } from 'vitest';
import { commandNamed, commands } from './index.js';

describe('the command table', () => {
  it("states each command's usage and description as its module does", async () => {
    for (const entry of commands) {
      const module = (await entry.load()).default;
      expect({ command: module.command, describe: module.describe }).toEqual({ command: entry.command, describe: entry.describe });
    }
  }, 60_000);

  it('finds a command by the first word of its usage, and nothing else', () => {
    expect(commandNamed('run')?.command).toBe('run <manifest>');
    expect(commandNamed('new')?.command).toBe('new <kind> <name>');
    expect(commandNamed('manifest')).toBeUndefined();
    expect(commandNamed('<manifest>')).toBeUndefined();
    expect(commandNamed(undefined)).toBeUndefined();
    expect(new Set(commands.map((c) => c.command.split(' ')[0])).size).toBe(commands.length);
  });
});
