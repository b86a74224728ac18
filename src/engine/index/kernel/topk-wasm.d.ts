// Types of the `?topk-wasm` and `?topk-wasm-shared` imports served by topk-kernel-build.ts (the kernel's compiled bytes).
declare module '*?topk-wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
declare module '*?topk-wasm-shared' {
  const bytes: Uint8Array;
  export default bytes;
}
