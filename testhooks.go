package main

// Test hooks live in files built only with the medmarket_testhooks tag
// (testhooks_on.go), which the process tests pass to go build; the shipped
// binary is built without it and holds none of them (testhooks_off.go), as
// TestBinary_holdsNoTestHooks checks.

// testHooksTag is the build tag of the test hooks.
const testHooksTag = "medmarket_testhooks"

// envLightScrypt makes new keys cheap to unlock (tests create many): read
// only by binaries built with testHooksTag, so no user's keys are ever
// encrypted with it.
const envLightScrypt = "MEDMARKET_INSECURE_LIGHT_SCRYPT"

// envCrashAt kills the process (SIGKILL) at a publish step (app.StepStored,
// app.StepListed): crash tests only, read only by binaries built with
// testHooksTag.
const envCrashAt = "MEDMARKET_TEST_CRASH_AT"
