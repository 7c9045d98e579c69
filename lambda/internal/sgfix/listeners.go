package sgfix

import (
	"fmt"
	"strconv"
	"strings"
)

// PublicListenerTag is the security-group tag that declares the ports a group deliberately serves
// to the whole internet, e.g. "tcp/443,tcp/80" or "443, udp/3478, tcp/8000-8010" (a bare port is
// TCP). World-open ingress on exactly those ports is kept; anything else world-open is revoked.
const PublicListenerTag = "editbay:public-listener"

// Listener is one declared protocol and port range.
type Listener struct {
	Protocol string // tcp, udp
	From, To int32
}

// ParseListeners reads a PublicListenerTag value. It reports malformed entries, which exempt nothing.
func ParseListeners(v string) ([]Listener, error) {
	var out []Listener
	var bad []string
	for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		proto, ports := "tcp", item
		if i := strings.IndexByte(item, '/'); i >= 0 {
			proto, ports = strings.ToLower(item[:i]), item[i+1:]
		}
		lo, hi, found := strings.Cut(ports, "-")
		if !found {
			hi = lo
		}
		from, err1 := strconv.ParseUint(lo, 10, 16)
		to, err2 := strconv.ParseUint(hi, 10, 16)
		if (proto != "tcp" && proto != "udp") || err1 != nil || err2 != nil || from > to {
			bad = append(bad, item)
			continue
		}
		out = append(out, Listener{Protocol: proto, From: int32(from), To: int32(to)})
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%s: entries %q are not like tcp/443, udp/3478 or tcp/8000-8010", PublicListenerTag, bad)
	}
	return out, nil
}

// covers reports whether a rule's protocol and port range lie inside one declared listener. A rule
// for all protocols ("-1") or all ports is never covered.
func covers(ls []Listener, protocol string, from, to int32) bool {
	protocol = strings.ToLower(protocol)
	switch protocol {
	case "6":
		protocol = "tcp"
	case "17":
		protocol = "udp"
	}
	for _, l := range ls {
		if l.Protocol == protocol && from >= l.From && to <= l.To && from >= 0 {
			return true
		}
	}
	return false
}
