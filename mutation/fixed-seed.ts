import fc from "fast-check";

// Under mutation testing every property test runs with one seed, so a mutant is killed by what it
// changed, never by the luck of a fresh random sample.
fc.configureGlobal({ seed: 20261130 });
