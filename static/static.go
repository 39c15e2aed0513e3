// Package static embeds the portal's stylesheets and scripts (htmx and its SSE extension are vendored here
// with their versions in the file names and their licences beside them), so the portal works offline.
package static

import "embed"

// FS holds css/ and js/.
//
//go:embed css js
var FS embed.FS
