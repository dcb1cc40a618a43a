/** One frame of the engine's multiplexed stream: type (1 stdout, 2 stderr), 3 zero bytes, length, payload. */
export function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
