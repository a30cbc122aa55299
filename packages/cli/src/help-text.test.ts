import { describe, expect, it } from 'vitest';
import { yargsCli } from './cli.js';
import { commands } from './commands/index.js';
import { topLevelHelp } from './help-text.js';

describe('naslab --help without yargs', () => {
  it('is the text yargs prints at 80 columns, character for character', async () => {
    const yargsHelp = await (await yargsCli([])).wrap(80).getHelp();
    expect(topLevelHelp(commands)).toBe(`${yargsHelp}\n`);
    // Descriptions wrap under their column (most of them are longer than one line).
    expect(yargsHelp.split('\n').filter((l) => /^ {34}\S/.test(l)).length).toBeGreaterThan(10);
  });

});
