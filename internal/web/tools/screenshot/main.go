// Command screenshot saves a full-page image of a running dashboard with
// headless Chromium, once the page has drawn its map and traffic charts:
//
//	go run ./internal/web/tools/screenshot --url http://127.0.0.1:8053/ --out docs/dashboard.png
//
// It is how docs/dashboard.png is taken from the real lab (`anycloud lab
// up`). It visits only the URL given and fails on any console error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
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
	bin, err := chromium()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "screenshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(dir),
		chromedp.WindowSize(1400, 1250), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	var consoleErr atomic.Value
	if err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*runtime.EventConsoleAPICalled); ok && e.Type == runtime.ConsoleAPICalledTypeError {
			consoleErr.Store("console error on the page")
		}
	}); err != nil {
		return err
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(wait), chromedp.Sleep(time.Second)); err != nil {
		return fmt.Errorf("loading %s: %w", url, err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("capturing %s: %w", url, err)
	}
	if msg, ok := consoleErr.Load().(string); ok {
		return errors.New(msg)
	}
	return os.WriteFile(out, png, 0o644)
}

func chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium not installed (apt-get install chromium)")
}
