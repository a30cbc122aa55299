import { describe, expect, it } from 'vitest';
import { helpTextApplies, yargsCli } from './cli.js';
import { commands } from './commands/index.js';
import { topLevelHelp } from './help-text.js';

describe('naslab --help without yargs', () => {
  it('is the text yargs prints at 80 columns, character for character', async () => {
    const yargsHelp = await (await yargsCli([])).wrap(80).locale('en').getHelp();
    expect(topLevelHelp(commands)).toBe(`${yargsHelp}\n`);
    // Descriptions wrap under their column (most of them are longer than one line).
    expect(yargsHelp.split('\n').filter((l) => /^ {34}\S/.test(l)).length).toBeGreaterThan(10);
  });


  it('leaves to yargs a narrow terminal, YARGS_DISABLE_WRAP and a locale other than English', () => {
    expect(helpTextApplies({}, undefined)).toBe(true);
    expect(helpTextApplies({ LANG: 'en_GB.UTF-8' }, 120)).toBe(true);
    expect(helpTextApplies({ LANG: 'C.UTF-8' }, 80)).toBe(true);
    expect(helpTextApplies({}, 79)).toBe(false);
    expect(helpTextApplies({ YARGS_DISABLE_WRAP: '1' }, undefined)).toBe(false);
    expect(helpTextApplies({ LANG: 'de_DE.UTF-8' }, undefined)).toBe(false);
    // LC_ALL first, as yargs reads it.
    expect(helpTextApplies({ LC_ALL: 'fr_FR.UTF-8', LANG: 'en_US.UTF-8' }, undefined)).toBe(false);
  });
});
