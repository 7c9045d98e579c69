package pricelist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/editbay/editbay/cost"
)

// Refresh fetches again every region and item of table, and those of wanted it does not have
// yet, and returns the new table. A pair whose fetch fails keeps its old entry (a wanted pair
// without one stays out) and its error is returned; so is an error of the new table as a whole,
// and then the table returned is the old one.
//
// A fetched price without a note keeps the old entry's note.
func Refresh(ctx context.Context, api GetProductsAPI, table *cost.Table, wanted [][2]string) (*cost.Table, []error) {
	type pair struct{ region, item string }
	var pairs []pair
	old := map[pair]cost.Price{}
	for _, p := range table.Prices {
		k := pair{p.Region, p.Item}
		if _, dup := old[k]; !dup {
			pairs = append(pairs, k)
		}
		old[k] = p
	}
	seen := map[pair]bool{}
	for _, k := range pairs {
		seen[k] = true
	}
	for _, w := range wanted {
		k := pair{w[0], w[1]}
		if !seen[k] {
			seen[k] = true
			pairs = append(pairs, k)
		}
	}

	var errs []error
	next := cost.Table{Currency: "USD"}
	for _, k := range pairs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", k.region, k.item, err))
			if p, ok := old[k]; ok {
				next.Prices = append(next.Prices, p)
			}
			continue
		}
		p, err := Fetch(ctx, api, k.region, k.item)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", k.region, k.item, err))
			if o, ok := old[k]; ok {
				next.Prices = append(next.Prices, o)
			}
			continue
		}
		if o, ok := old[k]; ok && p.Note == "" {
			p.Note = o.Note
		}
		next.Prices = append(next.Prices, p)
	}
	next.Prices = next.Sorted()
	data, err := Encode(&next)
	if err == nil {
		var parsed *cost.Table
		if parsed, err = cost.ParseTable(data); err == nil {
			return parsed, errs
		}
	}
	return table, append(errs, fmt.Errorf("the refreshed table is not valid, nothing changed: %w", err))
}

// Encode writes a table as prices.json is kept: its prices sorted by region and item, indented by
// two spaces, with a final newline.
func Encode(t *cost.Table) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	prices := t.Sorted()
	if prices == nil {
		prices = []cost.Price{}
	}
	if err := enc.Encode(cost.Table{Currency: t.Currency, Prices: prices}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile writes data to path through a temporary file in its directory, so that a failed
// write leaves the old file.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var (
	wantRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	wantItem   = regexp.MustCompile(`^[a-z0-9-]+:[a-z0-9.:-]+$`)
)

// ReadWanted reads the pairs to add to the table, one "region item" a line; blank lines and
// lines starting with # are skipped.
func ReadWanted(r io.Reader) ([][2]string, error) {
	var out [][2]string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 || !wantRegion.MatchString(fields[0]) || !wantItem.MatchString(fields[1]) {
			return nil, fmt.Errorf("line %d: %q is not \"region item\" (us-east-1 ec2:t3.medium:linux)", n, line)
		}
		out = append(out, [2]string{fields[0], fields[1]})
	}
	return out, sc.Err()
}
