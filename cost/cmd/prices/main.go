// Command prices refreshes the price table from the AWS Price List Query API (`make prices`):
// every region and item of the table, and those of -want, fetched again; an item that cannot be
// fetched keeps its old price and is reported, and the command then exits 1.
//
//	prices [-in cost/prices.json] [-out cost/prices.json] [-want file]
//
// The -want file lists pairs to add, one "region item" a line (us-east-1 ec2:t3.medium:linux).
// It needs AWS credentials of any account: AWS_PROFILE, or AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/editbay/editbay/cost"
	"github.com/editbay/editbay/cost/pricelist"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, log, os.Args[1:]); err != nil {
		log.Error("prices", "error", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("prices", flag.ContinueOnError)
	in := fs.String("in", "cost/prices.json", "the price table to refresh")
	out := fs.String("out", "cost/prices.json", "where to write the refreshed table")
	want := fs.String("want", "", `file of pairs to add, one "region item" a line`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	table, err := cost.ParseTable(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	var wanted [][2]string
	if *want != "" {
		f, err := os.Open(*want)
		if err != nil {
			return err
		}
		wanted, err = pricelist.ReadWanted(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *want, err)
		}
	}
	client, err := pricelist.NewClient(ctx)
	if err != nil {
		return err
	}
	log.Info("refreshing", "prices", len(table.Prices), "wanted", len(wanted), "endpoint", pricelist.Endpoint)
	next, errs := pricelist.Refresh(ctx, client, table, wanted)
	for _, err := range errs {
		log.Warn("not refreshed, old entry kept", "error", err)
	}
	encoded, err := pricelist.Encode(next)
	if err != nil {
		return err
	}
	if err := pricelist.WriteFile(*out, encoded); err != nil {
		return err
	}
	log.Info("wrote", "file", *out, "prices", len(next.Prices))
	if len(errs) > 0 {
		return fmt.Errorf("%d of the prices could not be refreshed (see above)", len(errs))
	}
	return nil
}
