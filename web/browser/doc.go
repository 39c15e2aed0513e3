// Package browser holds the portal's browser journeys: end-to-end tests that build and start the real
// portal binary (temporary database, demo data, short approval window) and drive Debian's Chromium
// headless through the pages a citizen and an admin use, on a phone and a desktop viewport. They skip with
// a clear message when Chromium is absent on a developer's machine, and fail when it is absent in CI.
package browser
