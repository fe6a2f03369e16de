// Package vimts writes vim-analyse timestamp markers from a Nomad task driver:
//
//	vimts t=<unix seconds, 9 decimals> id=<alloc id> phase=<name> edge=begin|end host=<name>
//
// Copy this file into the driver's package (or vendor it) and call Phase around each sub-phase
// of Start / StartTask; see driver.patch and docs/instrumentation.md.
package vimts

import (
	"os"
	"strings"
	"time"
)

// Printf is where a marker line goes, e.g. (Nomad <= 0.8, the 2016 Xen driver, a *log.Logger):
//
//	func(f string, a ...interface{}) { d.logger.Printf("[DEBUG] driver.xen: "+f, a...) }
//
// or (Nomad >= 0.9, hclog): func(f string, a ...interface{}) { d.logger.Info(fmt.Sprintf(f, a...)) }.
type Printf func(format string, args ...interface{})

// Host is the host= value: the machine's short host name unless VIMTS_HOST is set.
var Host = func() string {
	if h := os.Getenv("VIMTS_HOST"); h != "" {
		return h
	}
	h, _ := os.Hostname()
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	return h
}()

// Mark writes one marker stamped now. The integer split keeps every nanosecond (no float).
func Mark(out Printf, id, phase, edge string) {
	ns := time.Now().UnixNano()
	out("vimts t=%d.%09d id=%s phase=%s edge=%s host=%s",
		ns/1e9, ns%1e9, token(id), token(phase), edge, token(Host))
}

// Phase writes the begin marker now and returns the function that writes the end marker:
//
//	defer vimts.Phase(logf, ctx.AllocID, "driver.spawn")()
func Phase(out Printf, id, phase string) func() {
	Mark(out, id, phase, "begin")
	return func() { Mark(out, id, phase, "end") }
}

// token keeps a value to one field: whitespace would end it early.
func token(s string) string {
	if s == "" {
		return "unknown"
	}
	return strings.Join(strings.Fields(s), "_")
}
