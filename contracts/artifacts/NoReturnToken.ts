// The artifacts moved to src/devnet/artifacts (the devnet deploys them at run time, so the build
// must include them); this path stays for the imports that still use it.
export * from '../../src/devnet/artifacts/NoReturnToken.ts';
