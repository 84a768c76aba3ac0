// Package bearer owns the bearer tokens of anycloud's HTTP endpoints that
// change state (the hub's control API, the node's drain, the monitor's
// probe reports): creating a token file, reading one only when its owner
// and mode show that nobody else could have written or read it, and
// checking a request's token and origin.
//
// A client takes a token file's path from its own configuration or flags,
// never from the server it talks to: whoever answers on a loopback port
// (any local user, while the real server restarts) must not be able to
// name a file for the client to read and send.
package bearer

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ServiceUser is the account the packaged services run as; its token files
// are good for root and for itself.
const ServiceUser = "anycloud"

// Token bounds: 32 random bytes are written as 64 hex digits; a file
// bigger than maxFile is not a token.
const (
	minLen  = 32
	maxFile = 4096
)

// Ensure returns the token in path, creating the file (mode 0600, 32
// random bytes in hex) when it does not exist. It is for the server that
// owns the token.
func Ensure(path string) (string, error) {
	tok, err := ReadFile(path)
	if err == nil {
		return tok, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok = hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	tmp := path + ".new"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	_, err = f.WriteString(tok + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("token file: %w", err)
	}
	return tok, nil
}

// ReadFile reads the token in path after checking, on the opened file, that
// it belongs to root, to the calling user or to the service user, and that
// neither its group nor others may read or write it.
func ReadFile(path string) (string, error) {
	tok, _, err := ReadFileOwner(path)
	return tok, err
}

// ReadFileOwner is ReadFile that also returns the file's owner, for
// CheckListener.
func ReadFileOwner(path string) (string, uint32, error) {
	tok, fi, err := readFile(path)
	if err != nil {
		return "", 0, err
	}
	return tok, fi.Sys().(*syscall.Stat_t).Uid, nil
}

func readFile(path string) (string, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", nil, fmt.Errorf("token file: %w", err)
	}
	if err := checkFile(path, fi); err != nil {
		return "", nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return "", nil, fmt.Errorf("token file %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(data))
	if len(data) > maxFile || len(tok) < minLen || strings.ContainsAny(tok, " \t\r\n") {
		return "", nil, fmt.Errorf("token file %s does not hold a token (one word of at least %d characters)", path, minLen)
	}
	return tok, fi, nil
}

func checkFile(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("token file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("token file %s has mode %04o: group and others must have no access (chmod 600 %s)", path, perm, path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("token file %s: owner unknown", path)
	}
	if !trustedOwner(st.Uid) {
		return fmt.Errorf("token file %s belongs to %s, not to root, to you or to the %s service user: refusing to use it", path, userName(st.Uid), ServiceUser)
	}
	return nil
}

func trustedOwner(uid uint32) bool {
	return uid == 0 || int(uid) == os.Geteuid() || int(uid) == os.Getuid() || isServiceUser(uid)
}

func isServiceUser(uid uint32) bool {
	u, err := user.Lookup(ServiceUser)
	return err == nil && u.Uid == strconv.FormatUint(uint64(uid), 10)
}

func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username + " (uid " + id + ")"
	}
	return "uid " + id
}

// Set puts token on req as "Authorization: Bearer <token>".
func Set(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
}

// Matches tells whether req carries token (compared in constant time). An
// empty token matches nothing.
func Matches(req *http.Request, token string) bool {
	got, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// CrossSite tells whether req comes from a web page of another site: a
// browser names the page's origin (Origin, Sec-Fetch-Site) on every POST,
// and no CLI or probe sends either. Such a request is refused before its
// token is looked at, so a page on the host cannot drive a loopback
// endpoint even if the browser somehow had the token.
func CrossSite(req *http.Request) bool {
	switch req.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return true
	}
	origin := req.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host == "" || !strings.EqualFold(u.Host, req.Host)
}

// Require wraps next: requests that are cross-site get 403 and requests
// without the token from token() get 401 with hint as the reason.
func Require(token func() string, hint string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if CrossSite(r) {
			http.Error(w, "cross-site requests are refused", http.StatusForbidden)
			return
		}
		if !Matches(r, token()) {
			http.Error(w, hint, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
