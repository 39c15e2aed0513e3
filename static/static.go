// Package static embeds the portal's stylesheets and scripts (htmx and its SSE extension are vendored here
// with their versions in the file names and their licences beside them), so the portal works offline.
package static

import "embed"

// FS holds css/, js/ and img/.
//
//go:embed css js img
var FS embed.FS
