// Command diagram prints an editbay config's architecture as Graphviz DOT (`make docs` renders the
// default config's to docs/architecture.svg).
//
//	diagram [-config file]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/diagram"
)

func main() {
	path := flag.String("config", "", "config file (default: the embedded default config)")
	flag.Parse()
	cfg, err := config.LoadOrDefault(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "diagram:", err)
		os.Exit(1)
	}
	fmt.Print(diagram.DOT(cfg))
}
