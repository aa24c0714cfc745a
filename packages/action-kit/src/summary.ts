export type CheckStatus = 'pass' | 'fail' | 'warn' | 'manual' | 'skip';

export interface ChecklistItem {
  status: CheckStatus;
  title: string;
  detail?: string;
}

const MARK: Record<CheckStatus, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  warn: '⚠️ warn',
  manual: '✋ manual',
  skip: '⏭️ skip',
};

export function statusMark(status: CheckStatus): string {
  return MARK[status];
}

/** Escapes text for a markdown table cell. */
export function cell(value: unknown): string {
  return String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/**
 * Builds the job summary as markdown. The kit writes it once, at the end of the run (also when the
 * action fails), after removing secrets.
 */
export class Summary {
  private readonly parts: string[] = [];

  get isEmpty(): boolean {
    return this.parts.length === 0;
  }

  heading(text: string, level: 1 | 2 | 3 | 4 = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  text(markdown: string): this {
    this.parts.push(markdown);
    return this;
  }

  table(headers: string[], rows: unknown[][]): this {
    if (rows.length === 0) return this;
    const lines = [`| ${headers.map(cell).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`];
    for (const r of rows) lines.push(`| ${headers.map((_, i) => cell(r[i])).join(' | ')} |`);
    this.parts.push(lines.join('\n'));
    return this;
  }

  /** A checklist: one row per item with its pass/fail/warn/manual mark and the evidence. */
  checklist(items: ChecklistItem[]): this {
    return this.table(
      ['Status', 'Item', 'Evidence'],
      items.map((i) => [statusMark(i.status), i.title, i.detail ?? '']),
    );
  }

  list(items: string[]): this {
    if (items.length > 0) this.parts.push(items.map((i) => `- ${i}`).join('\n'));
    return this;
  }

  details(title: string, body: string): this {
    this.parts.push(`<details><summary>${title}</summary>\n\n${body}\n\n</details>`);
    return this;
  }

  code(text: string, lang = ''): this {
    this.parts.push(`\`\`\`${lang}\n${text}\n\`\`\``);
    return this;
  }

  toMarkdown(): string {
    return this.parts.join('\n\n') + '\n';
  }
}
