// Package browser holds the portal's browser journeys: end-to-end tests that build and start the real
// portal binary (temporary database, demo data, short approval window) and drive Debian's Chromium
// headless through the pages a citizen and an admin use, on a phone and a desktop viewport. They skip with
// a clear message when Chromium is absent on a developer's machine, and fail when it is absent in CI.
//
// Every page a journey visits must log no console error and no content security policy violation. The
// accessibility checks run axe-core (a pinned version that `make axe` installs from the npm registry under
// .cache/, never committed; PORTAL_AXE_JS names another copy) on every page of the citizen's and the
// admin's web, and walk each page with the Tab key; without axe-core they skip on a developer's machine and
// fail in CI. Each journey's last screen is saved under testoutput/.
package browser
