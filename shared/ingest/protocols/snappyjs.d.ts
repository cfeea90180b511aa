/** Types for snappyjs 0.7 (pure-JS Snappy block format; the package ships none). */
declare module 'snappyjs' {
  interface Snappy {
    /** Throws when the stream is invalid or its declared length is over `maxLength`. */
    uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
    compress(uncompressed: Uint8Array): Uint8Array;
  }
  const snappy: Snappy;
  export = snappy;
}
