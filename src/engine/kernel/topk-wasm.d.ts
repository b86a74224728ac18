// Type of the `?topk-wasm` import served by topk-kernel-build.ts (the kernel's compiled bytes).
declare module '*?topk-wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
