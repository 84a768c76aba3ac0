// Command screenshot saves a full-page image of a running dashboard with
// headless Chromium, once the page has drawn its map and traffic charts.
// Run it as:
//
//	go run ./internal/web/tools/screenshot --url http://127.0.0.1:8053/ --out docs/dashboard.png
//
// It is how docs/dashboard.png is taken from the real lab (`anycloud lab
// up`). It visits only the URL given and fails on any console error.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"anycloud/internal/web/browser"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8053/", "dashboard to capture")
	out := flag.String("out", "docs/dashboard.png", "PNG file to write")
	wait := flag.String("wait", ".chart rect", "CSS selector that must be visible before the capture")
	flag.Parse()
	if err := capture(*url, *out, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "screenshot:", err)
		os.Exit(1)
	}
}

func capture(url, out, wait string) error {
	dir, err := os.MkdirTemp("", "screenshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, dir)
	if err != nil {
		return err
	}
	defer stop()
	var errs browser.Errors
	if err := errs.Listen(bctx); err != nil {
		return fmt.Errorf("starting chromium: %w", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(wait), chromedp.Sleep(time.Second)); err != nil {
		return fmt.Errorf("loading %s: %w", url, err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("capturing %s: %w", url, err)
	}
	if e := errs.Get(); len(e) > 0 {
		return fmt.Errorf("errors on the page: %s", strings.Join(e, "; "))
	}
	return os.WriteFile(out, png, 0o644)
}
