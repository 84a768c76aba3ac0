// Package anycloud is the root of the anycloud module: the binary lives in
// cmd/anycloud and every component in a package under internal/. The root
// holds only repository-wide tests.
package anycloud
