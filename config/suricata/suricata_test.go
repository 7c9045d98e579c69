package suricata

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/test/goldens"
)

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// Allow-lists whose generated rules are kept as goldens in testdata/<name>.rules.
var goldenSets = map[string][]Allow{
	"company-and-updates": {
		{Name: "company", Sources: prefixes("10.20.16.0/20", "10.20.32.0/20"), Domains: []string{".example.co.jp", "login.microsoftonline.com"}, Protocols: []string{TLS}},
		{Name: "os-updates", Sources: prefixes("10.20.32.0/20", "10.20.16.0/20"), Domains: []string{".windowsupdate.com", "deb.debian.org"}, Protocols: []string{TLS, HTTP}},
	},
	"cidr-sources-http-only": {
		{Name: "render-farm", Sources: prefixes("10.20.64.0/24", "10.20.65.0/24"), Domains: []string{"mirror.example.net", ".cdn.example.org"}, Protocols: []string{HTTP}},
		{Name: "licences", Sources: prefixes("10.20.64.0/24"), Domains: []string{"licence.example.com"}, Protocols: []string{TLS, HTTP}},
	},
	"single-host": {
		{Name: "render-licence", Sources: prefixes("10.10.64.0/20"), Domains: []string{"licence.example.com"}, Protocols: []string{TLS}},
	},
}

func TestGeneratedRulesGolden(t *testing.T) {
	for name, allows := range goldenSets {
		t.Run(name, func(t *testing.T) {
			rs, err := Generate(allows)
			if err != nil {
				t.Fatal(err)
			}
			goldens.Check(t, name, filepath.Join("testdata", name+".rules"), []byte(rs.Rules))
			// Every generated rule parses, and the capacity is the number of rules.
			rules, err := Parse(rs.Rules)
			if err != nil {
				t.Fatal(err)
			}
			if len(rules) != rs.Count {
				t.Errorf("Count %d, parsed %d rules", rs.Count, len(rules))
			}
			// Every variable a rule names is defined ($HOME_NET and $EXTERNAL_NET are built in).
			for _, r := range rules {
				v := strings.TrimPrefix(r.Source, "$")
				if _, ok := rs.Variables[v]; !ok && v != "HOME_NET" {
					t.Errorf("sid %d uses undefined $%s", r.Sid, v)
				}
			}
		})
	}
}

// The shape of each rule: exact names match the whole buffer, subdomain forms use dotprefix, TLS is
// matched without case, and the drops come after every pass.
func TestRuleShapes(t *testing.T) {
	rs, err := Generate(goldenSets["company-and-updates"])
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Parse(rs.Rules)
	if err != nil {
		t.Fatal(err)
	}
	opts := func(r Rule) string {
		var s []string
		for _, o := range r.Options {
			s = append(s, strings.TrimSpace(o.Keyword+":"+o.Value))
		}
		return strings.Join(s, " ")
	}
	want := map[string]string{ // by content: the options' matching part
		"tls .example.co.jp":            "tls.sni: dotprefix: content:.example.co.jp nocase: endswith:",
		"tls login.microsoftonline.com": "tls.sni: content:login.microsoftonline.com nocase: startswith: endswith:",
		"http .windowsupdate.com":       "http.host: dotprefix: content:.windowsupdate.com endswith:",
		"http deb.debian.org":           "http.host: content:deb.debian.org startswith: endswith:",
	}
	passes, lastPass, firstDrop := 0, -1, len(rules)
	for i, r := range rules {
		switch r.Action {
		case "pass":
			passes++
			lastPass = i
			if r.Destination != "$EXTERNAL_NET" || !strings.HasPrefix(r.Source, "$SRC_") {
				t.Errorf("sid %d: %s -> %s", r.Sid, r.Source, r.Destination)
			}
			for k, w := range want {
				proto, domain, _ := strings.Cut(k, " ")
				if r.Protocol == proto && strings.Contains(opts(r), "content:"+domain+" ") && !strings.HasPrefix(opts(r), w) {
					t.Errorf("sid %d: options %q, want prefix %q", r.Sid, opts(r), w)
				}
			}
		case "drop":
			firstDrop = min(firstDrop, i)
		}
	}
	if passes != 2+4 || lastPass > firstDrop {
		t.Errorf("%d pass rules (want 6), last pass at %d, first drop at %d", passes, lastPass, firstDrop)
	}
	var dropped []string
	for _, r := range rules[firstDrop:] {
		dropped = append(dropped, r.Protocol)
	}
	if !slices.Equal(dropped, []string{"tls", "http", "udp", "icmp"}) {
		t.Errorf("drops of %v", dropped)
	}
	if got := rs.Variables["SRC_OS_UPDATES"]; !slices.Equal(got, []string{"10.20.16.0/20", "10.20.32.0/20"}) {
		t.Errorf("SRC_OS_UPDATES = %v (sorted, deduplicated)", got)
	}
}

// Sids come from the allow-list name, protocol and domain: reordering lists or domains, or adding
// one, renumbers nothing.
func TestSidsAreStable(t *testing.T) {
	sids := func(allows []Allow) map[string]int {
		rs, err := Generate(allows)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := Parse(rs.Rules)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, r := range rules {
			out[r.Msg] = r.Sid
		}
		return out
	}
	base := goldenSets["company-and-updates"]
	before := sids(base)
	reordered := []Allow{base[1], base[0]}
	reordered[1].Domains = []string{"login.microsoftonline.com", ".example.co.jp", "new.example.net"}
	after := sids(reordered)
	for msg, sid := range before {
		if after[msg] != sid {
			t.Errorf("%q: sid %d became %d", msg, sid, after[msg])
		}
	}
	if len(after) != len(before)+1 {
		t.Errorf("%d rules after adding a domain, want %d", len(after), len(before)+1)
	}
}

func TestGenerateRejects(t *testing.T) {
	ok := Allow{Name: "a", Sources: prefixes("10.0.0.0/24"), Domains: []string{"example.com"}, Protocols: []string{TLS}}
	cases := map[string]struct {
		allows []Allow
		want   string
	}{
		"duplicate name":   {[]Allow{ok, ok}, `"a" is used twice`},
		"bad name":         {[]Allow{{Name: "A B", Sources: ok.Sources, Domains: ok.Domains, Protocols: ok.Protocols}}, `name "A B"`},
		"wildcard":         {[]Allow{{Name: "a", Sources: ok.Sources, Domains: []string{"*.example.com"}, Protocols: ok.Protocols}}, "not a wildcard"},
		"unknown protocol": {[]Allow{{Name: "a", Sources: ok.Sources, Domains: ok.Domains, Protocols: []string{"ftp"}}}, `protocol "ftp"`},
		"no sources":       {[]Allow{{Name: "a", Domains: ok.Domains, Protocols: ok.Protocols}}, "needs sources"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Generate(tc.allows); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheckDomain(t *testing.T) {
	for _, d := range []string{"example.com", ".example.co.jp", "login.microsoftonline.com", "a-b.c0.example", "xn--eckwd4c7c.xn--zckzah"} {
		if err := CheckDomain(d); err != nil {
			t.Errorf("%q: %v", d, err)
		}
	}
	for _, d := range []string{"", "example", ".com", "Example.com", "*.example.com", "https://example.com", "example.com:443", "example.com/x", "-a.example.com", "a..example.com", "example.com.", "exa mple.com", `ex"ample.com`, strings.Repeat("a.", 127) + "com"} {
		if err := CheckDomain(d); err == nil {
			t.Errorf("%q accepted", d)
		}
	}
}

// Rules from AWS's Network Firewall documentation ("Examples of stateful rules for Network
// Firewall") and Suricata's, which the parser must accept as written.
var documentedRules = []string{
	`pass tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:"ssm."; ssl_state:client_hello; startswith; content:".amazonaws.com"; endswith; nocase; flow: to_server; sid:202308311;)`,
	`pass tls $HOME_NET any -> $EXTERNAL_NET any (msg:"Only allow Curl 7.79.1 JA3"; ja3.hash; content:"27e9c7cc45ae47dc50f51400db8a4099"; sid:12820009;)`,
	`pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; content:"checkip.amazonaws.com"; startswith; nocase; endswith; msg:"matching TLS allowlisted FQDNs"; flow:to_server, established; sid:202308241; rev:1;)`,
	`drop tcp $HOME_NET any -> $EXTERNAL_NET any (msg:"Deny all other TCP traffic"; flow: to_server,established; sid:202308242; rev:1;)`,
	`alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"HTTP Host Example"; flow:established,to_server; http.host; content:"suricata.io"; bsize:11; classtype:bad-unknown; sid:123; rev:1;)`,
	`alert http any any -> any any (dns.query; dotprefix; content:".microsoft.com"; endswith; sid:1;)`,
	`drop ip [10.0.0.0/8,!10.1.0.0/16] any <> $EXTERNAL_NET [80,443,8000:8100] (msg:"list forms"; sid:5; rev:2;)`,
}

func TestParseAcceptsDocumentedRules(t *testing.T) {
	rules, err := Parse(strings.Join(documentedRules, "\n# a comment\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != len(documentedRules) {
		t.Errorf("parsed %d of %d", len(rules), len(documentedRules))
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"no sid":            `pass tls any any -> any any (msg:"x";)`,
		"unknown action":    `allow tls any any -> any any (sid:1;)`,
		"unknown protocol":  `pass htps any any -> any any (sid:1;)`,
		"bad direction":     `pass tls any any => any any (sid:1;)`,
		"short header":      `pass tls any -> any any (sid:1;)`,
		"bad address":       `pass tls home any -> any any (sid:1;)`,
		"bad port":          `pass tls any any -> any https (sid:1;)`,
		"unknown keyword":   `pass tls any any -> any any (tls_sni; content:"a"; sid:1;)`,
		"no final semi":     `pass tls any any -> any any (sid:1)`,
		"unescaped quote":   `pass tls any any -> any any (content:"a"b"; sid:1;)`,
		"unquoted content":  `pass tls any any -> any any (tls.sni; content:abc; sid:1;)`,
		"modifier first":    `pass tls any any -> any any (nocase; sid:1;)`,
		"bad flow":          `pass tls any any -> any any (flow:outbound; sid:1;)`,
		"no parentheses":    `pass tls any any -> any any sid:1;`,
		"unterminated":      `pass tls any any -> any any (msg:"abc; sid:1;)`,
		"value on a flag":   `pass tls any any -> any any (tls.sni:x; sid:1;)`,
		"duplicate sid":     `pass tls any any -> any any (sid:7;)` + "\n" + `drop tls any any -> any any (sid:7;)`,
		"sid not a number":  `pass tls any any -> any any (sid:x;)`,
		"lower-case var":    `pass tls $home_net any -> any any (sid:1;)`,
		"content unescaped": `pass tls any any -> any any (content:"a;b"; sid:1;)`,
	}
	for name, rule := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(rule); err == nil {
				t.Errorf("accepted %s", rule)
			}
		})
	}
}

// Nothing a user can write as a domain breaks out of its quoted content: every domain CheckDomain
// accepts yields rules that parse.
func FuzzDomainRules(f *testing.F) {
	for _, s := range []string{"example.com", ".example.co.jp", `a";sid:1;`, "x\\y.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		if CheckDomain(d) != nil {
			return
		}
		rs, err := Generate([]Allow{{Name: "f", Sources: prefixes("10.0.0.0/24"), Domains: []string{d}, Protocols: []string{TLS, HTTP}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(rs.Rules); err != nil {
			t.Fatal(err)
		}
	})
}

// Parse reads hand-written rules files: it must never panic, and what it accepts has a sid and a
// known action and protocol. Seeds: the documented rules and every generated golden.
func FuzzParse(f *testing.F) {
	for _, r := range documentedRules {
		f.Add(r)
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "*.rules"))
	for _, g := range goldens {
		if data, err := os.ReadFile(g); err == nil {
			f.Add(string(data))
		}
	}
	f.Add(`pass tls any any -> any any (content:"a\"b\;c"; sid:1;)`)
	f.Add("pass tls any any -> any any (sid:1;\n")
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := Parse(text)
		if err != nil {
			return
		}
		for _, r := range rules {
			if r.Sid < 1 || !slices.Contains(actions, r.Action) || !slices.Contains(protocols, r.Protocol) {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}
