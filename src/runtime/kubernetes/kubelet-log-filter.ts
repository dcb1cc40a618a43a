import { Transform, type TransformCallback } from 'node:stream';

const MARK = Buffer.from('rpc error: code = ');
/** What the kubelet appends to a followed log when the container goes (stop, restart, removal). */
const KUBELET_ERROR = /^rpc error: code = [A-Za-z]+ desc = [^\n]*$/;

/**
 * A Pod's log stream without the kubelet's own error at its end: when a followed container goes,
 * the API server ends the stream with `rpc error: code = NotFound desc = …` (no newline) as if the
 * agent had printed it. Only a tail that starts with that text and ends the stream is dropped; the
 * same words followed by a newline are the agent's own line and pass. What might start it is held
 * back until the next bytes (at most the length of the mark, so a prompt is never held long).
 */
export function createKubeletErrorFilter(onDropped?: (text: string) => void): Transform {
  let pending = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      let buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const at = buffer.indexOf(MARK);
        if (at === -1) break;
        const newline = buffer.indexOf(0x0a, at);
        if (newline === -1) {
          if (at > 0) this.push(buffer.subarray(0, at));
          pending = Buffer.from(buffer.subarray(at));
          callback();
          return;
        }
        this.push(buffer.subarray(0, newline + 1));
        buffer = buffer.subarray(newline + 1);
      }
      // A partial mark at the end may be the start of the kubelet's error.
      let keep = Math.min(MARK.length - 1, buffer.length);
      while (keep > 0 && !MARK.subarray(0, keep).equals(buffer.subarray(buffer.length - keep))) keep -= 1;
      if (buffer.length > keep) this.push(buffer.subarray(0, buffer.length - keep));
      pending = Buffer.from(buffer.subarray(buffer.length - keep));
      callback();
    },
    flush(callback: TransformCallback) {
      const text = pending.toString('utf8');
      if (KUBELET_ERROR.test(text)) onDropped?.(text);
      else if (pending.length > 0) this.push(pending);
      callback();
    },
  });
}
