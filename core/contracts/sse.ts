/** One Server-Sent Events frame: its `event:` name and its `data:` lines joined. */
export interface SseFrame {
  event: string | undefined;
  data: string;
}

/**
 * Splits an SSE byte stream (GET /events) into frames; heartbeat comments and frames
 * without data are skipped. Cancels the stream when the consumer stops early.
 * Plain web APIs only: the CLI, the tests and a browser client can all use it.
 */
export async function* sseFrames(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const data = lines
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        if (data) yield { event, data };
      }
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}
