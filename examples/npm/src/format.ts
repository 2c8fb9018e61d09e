// A TypeScript helper: compiled to format.js, types stripped.
export interface Span {
  milliseconds: number;
}

export function hours(span: Span): string {
  const value: number = span.milliseconds / 3_600_000;
  return `${value} hours`;
}
