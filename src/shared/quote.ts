/**
 * A value the user typed, quoted for a one-line message: control characters (a newline, an escape
 * sequence) are escaped as JSON does, so an error stays one line and cannot redraw the terminal;
 * long values are cut.
 */
export function quoteInput(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
