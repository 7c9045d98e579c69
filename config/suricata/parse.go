package suricata

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Rule is one parsed Suricata rule.
type Rule struct {
	Action, Protocol      string
	Source, SourcePort    string
	Direction             string
	Destination, DestPort string
	Options               []Option
	Sid                   int
	Msg                   string
	Line                  int
}

// Option is one rule option: a keyword and its value, if any (quotes removed from strings).
type Option struct{ Keyword, Value string }

// Actions Network Firewall accepts in Suricata rules.
var actions = []string{"pass", "drop", "reject", "alert"}

// Protocols Network Firewall's Suricata engine knows, as rule headers name them.
var protocols = []string{"ip", "tcp", "udp", "icmp", "http", "http2", "tls", "dns", "ssh", "ftp", "smb", "smtp", "dcerpc", "krb5", "ntp", "dhcp", "ikev2", "quic", "imap", "tftp", "snmp", "sip", "rdp", "mqtt", "rfb", "nfs"}

// Keywords the parser accepts, with whether they take a value. A keyword outside this list is an
// error, so a typo never reaches AWS as a rule that silently matches nothing.
var keywords = map[string]bool{
	"msg": true, "sid": true, "rev": true, "gid": true, "classtype": true, "priority": true, "metadata": true, "reference": true,
	"flow": true, "flowbits": true, "content": true, "pcre": true, "depth": true, "offset": true, "distance": true, "within": true,
	"bsize": true, "ssl_state": true, "ssl_version": true, "app-layer-protocol": true, "threshold": true, "ip_proto": true,
	"ja3.hash": false, "ja3s.hash": false, "ja4.hash": false, "tls.sni": false, "tls.cert_subject": false, "tls.cert_issuer": false,
	"http.host": false, "http.uri": false, "http.method": false, "http.user_agent": false, "http.header": false, "dns.query": false,
	"nocase": false, "startswith": false, "endswith": false, "dotprefix": false, "noalert": false, "fast_pattern": false,
	"itype": true, "icode": true, "dsize": true, "geoip": true, "xbits": true, "tag": true, "dns.opcode": true,
}

// Keywords that must come after a sticky buffer (content modifiers).
var needsBuffer = []string{"nocase", "startswith", "endswith", "dotprefix", "depth", "offset", "distance", "within", "bsize", "fast_pattern"}

var (
	variablePattern = regexp.MustCompile(`^!?\$[A-Z][A-Z0-9_]*$`)
	portPattern     = regexp.MustCompile(`^!?[0-9]{1,5}(:[0-9]{0,5})?$`)
)

// Parse reads a rules string: one rule per line, # comments and blank lines ignored. It checks
// the header, every option keyword, quoting, content modifiers following a buffer, and that each
// rule has a sid unique in the text; it returns every problem, each with its line.
func Parse(text string) ([]Rule, error) {
	var rules []Rule
	var errs []string
	sids := map[int]int{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseRule(line)
		if err != nil {
			errs = append(errs, fmt.Sprintf("line %d: %v", i+1, err))
			continue
		}
		r.Line = i + 1
		if first, dup := sids[r.Sid]; dup {
			errs = append(errs, fmt.Sprintf("line %d: sid %d is already used on line %d", i+1, r.Sid, first))
			continue
		}
		sids[r.Sid] = i + 1
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		return rules, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return rules, nil
}

func parseRule(line string) (Rule, error) {
	var r Rule
	open := strings.IndexByte(line, '(')
	if open < 0 || !strings.HasSuffix(line, ")") {
		return r, fmt.Errorf("a rule is: action protocol source port -> destination port (options)")
	}
	header := strings.Fields(line[:open])
	if len(header) != 7 {
		return r, fmt.Errorf("the header needs 7 parts (action protocol source port direction destination port), got %d", len(header))
	}
	r.Action, r.Protocol, r.Source, r.SourcePort, r.Direction, r.Destination, r.DestPort = header[0], header[1], header[2], header[3], header[4], header[5], header[6]
	if !slices.Contains(actions, r.Action) {
		return r, fmt.Errorf("action %q is not one of %s", r.Action, strings.Join(actions, ", "))
	}
	if !slices.Contains(protocols, r.Protocol) {
		return r, fmt.Errorf("protocol %q is unknown", r.Protocol)
	}
	if r.Direction != "->" && r.Direction != "<>" {
		return r, fmt.Errorf("direction %q is not -> or <>", r.Direction)
	}
	for _, a := range []string{r.Source, r.Destination} {
		if err := checkAddress(a); err != nil {
			return r, err
		}
	}
	for _, p := range []string{r.SourcePort, r.DestPort} {
		if err := checkPort(p); err != nil {
			return r, err
		}
	}
	opts, err := splitOptions(line[open+1 : len(line)-1])
	if err != nil {
		return r, err
	}
	r.Options = opts
	buffer := false
	for _, o := range opts {
		takesValue, known := keywords[o.Keyword]
		switch {
		case !known:
			return r, fmt.Errorf("unknown keyword %q", o.Keyword)
		case takesValue && o.Value == "":
			return r, fmt.Errorf("%s needs a value", o.Keyword)
		case !takesValue && o.Value != "":
			return r, fmt.Errorf("%s takes no value", o.Keyword)
		}
		if !takesValue && strings.Contains(o.Keyword, ".") {
			buffer = true
		}
		if o.Keyword == "content" {
			buffer = true
		}
		if slices.Contains(needsBuffer, o.Keyword) && !buffer {
			return r, fmt.Errorf("%s must follow a sticky buffer or content", o.Keyword)
		}
		switch o.Keyword {
		case "sid":
			n, err := strconv.Atoi(o.Value)
			if err != nil || n < 1 || n > 1<<32-1 {
				return r, fmt.Errorf("sid %q is not a positive 32-bit number", o.Value)
			}
			if r.Sid != 0 {
				return r, fmt.Errorf("sid is given twice")
			}
			r.Sid = n
		case "rev":
			if n, err := strconv.Atoi(o.Value); err != nil || n < 1 {
				return r, fmt.Errorf("rev %q is not a positive number", o.Value)
			}
		case "msg":
			r.Msg = o.Value
		case "flow":
			for _, f := range strings.Split(o.Value, ",") {
				if !slices.Contains([]string{"to_server", "to_client", "from_server", "from_client", "established", "not_established", "stateless", "only_stream", "no_stream"}, strings.TrimSpace(f)) {
					return r, fmt.Errorf("flow option %q is unknown", strings.TrimSpace(f))
				}
			}
		}
	}
	if r.Sid == 0 {
		return r, fmt.Errorf("every rule needs a sid")
	}
	return r, nil
}

// splitOptions splits "k:v; k; k:\"a;b\";" on the semicolons outside quotes, requiring the final one.
func splitOptions(s string) ([]Option, error) {
	var opts []Option
	var cur strings.Builder
	inQuote, escaped := false, false
	for _, c := range s {
		switch {
		case escaped:
			escaped = false
			cur.WriteRune(c)
			continue
		case c == '\\':
			escaped = true
			cur.WriteRune(c)
			continue
		case c == '"':
			inQuote = !inQuote
		case c == ';' && !inQuote:
			o, err := parseOption(cur.String())
			if err != nil {
				return nil, err
			}
			opts = append(opts, o)
			cur.Reset()
			continue
		}
		cur.WriteRune(c)
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quote in the options")
	}
	if strings.TrimSpace(cur.String()) != "" {
		return nil, fmt.Errorf("option %q is not ended by a semicolon", strings.TrimSpace(cur.String()))
	}
	if len(opts) == 0 {
		return nil, fmt.Errorf("no options")
	}
	return opts, nil
}

func parseOption(s string) (Option, error) {
	s = strings.TrimSpace(s)
	k, v, hasValue := strings.Cut(s, ":")
	o := Option{Keyword: strings.TrimSpace(k)}
	if o.Keyword == "" {
		return o, fmt.Errorf("empty option")
	}
	if !hasValue {
		return o, nil
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "!") && (o.Keyword == "content") {
		v = strings.TrimSpace(v[1:])
	}
	if strings.HasPrefix(v, `"`) {
		if len(v) < 2 || !strings.HasSuffix(v, `"`) {
			return o, fmt.Errorf("%s: value %s is not a closed quoted string", o.Keyword, v)
		}
		inner := v[1 : len(v)-1]
		// Inside quotes, ; " and \ must be escaped with a backslash.
		for i := 0; i < len(inner); i++ {
			if inner[i] == '\\' {
				i++
				continue
			}
			if inner[i] == '"' || inner[i] == ';' {
				return o, fmt.Errorf("%s: %q must be escaped with a backslash", o.Keyword, inner[i])
			}
		}
		v = inner
	} else if o.Keyword == "content" || o.Keyword == "msg" {
		return o, fmt.Errorf("%s takes a quoted string", o.Keyword)
	}
	o.Value = v
	if o.Value == "" {
		return o, fmt.Errorf("%s has an empty value", o.Keyword)
	}
	return o, nil
}

func checkAddress(a string) error {
	if a == "any" || variablePattern.MatchString(a) {
		return nil
	}
	if strings.HasPrefix(a, "[") && strings.HasSuffix(a, "]") {
		for _, part := range strings.Split(a[1:len(a)-1], ",") {
			if err := checkAddress(strings.TrimSpace(part)); err != nil {
				return err
			}
		}
		return nil
	}
	s := strings.TrimPrefix(a, "!")
	if _, err := netip.ParsePrefix(s); err == nil {
		return nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	return fmt.Errorf("address %q is not any, a $VARIABLE, an IP, a CIDR or a [list]", a)
}

func checkPort(p string) error {
	if p == "any" || variablePattern.MatchString(p) {
		return nil
	}
	if strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
		for _, part := range strings.Split(p[1:len(p)-1], ",") {
			if err := checkPort(strings.TrimSpace(part)); err != nil {
				return err
			}
		}
		return nil
	}
	if !portPattern.MatchString(p) {
		return fmt.Errorf("port %q is not any, a number, a range or a [list]", p)
	}
	return nil
}
