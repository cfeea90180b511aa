import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consoleModule, GENERATED } from '../../../web/console/build.ts';

describe('the console page', () => {
  it('is committed as the build of web/console/index.html and console.ts (run `npx tsx web/console/build.ts`)', async () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(await consoleModule());
  });

  it('holds the script inline, with the controls the e2e test drives', async () => {
    const { CONSOLE_HTML } = await import('../../../web/console/page.generated.ts');
    expect(CONSOLE_HTML).not.toContain('/*CONSOLE_SCRIPT*/');
    for (const id of ['token', 'q', 'range', 'search', 'results', 'histogram', 'templates', 'tail-toggle', 'tail']) expect(CONSOLE_HTML).toContain(`id="${id}"`);
    expect(CONSOLE_HTML).toContain('"/v1/tail"');
  });
});
