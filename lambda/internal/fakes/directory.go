package fakes

import (
	"context"
	"sync"

	ds "github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Directory is a stateful fake of Directory Service's RADIUS settings per directory. Enabling RADIUS
// twice or updating it while off fails as a client error, so a handler that does not read first is
// caught.
type Directory struct {
	calls
	mu          sync.Mutex
	directories map[string]*types.RadiusSettings // nil value: RADIUS off
}

// NewDirectory returns a fake with the given directories, RADIUS off.
func NewDirectory(ids ...string) *Directory {
	f := &Directory{directories: map[string]*types.RadiusSettings{}}
	for _, id := range ids {
		f.directories[id] = nil
	}
	return f
}

// Radius returns a directory's RADIUS settings (nil: off) and whether the directory exists.
func (f *Directory) Radius(id string) (*types.RadiusSettings, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.directories[id]
	return r, ok
}

// DeleteDirectory removes a directory.
func (f *Directory) DeleteDirectory(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.directories, id)
}

func (f *Directory) DescribeDirectories(_ context.Context, in *ds.DescribeDirectoriesInput, _ ...func(*ds.Options)) (*ds.DescribeDirectoriesOutput, error) {
	if err := f.enter("DescribeDirectories"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ds.DescribeDirectoriesOutput{}
	for _, id := range in.DirectoryIds {
		r, ok := f.directories[id]
		if !ok {
			return nil, APIError("EntityDoesNotExistException")
		}
		d := types.DirectoryDescription{DirectoryId: &id, RadiusSettings: r}
		if r != nil {
			d.RadiusStatus = types.RadiusStatusCompleted
		}
		out.DirectoryDescriptions = append(out.DirectoryDescriptions, d)
	}
	return out, nil
}

func (f *Directory) set(op, id string, r *types.RadiusSettings, wantOn bool) error {
	if err := f.enter(op); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.directories[id]
	switch {
	case !ok:
		return APIError("EntityDoesNotExistException")
	case (cur != nil) != wantOn:
		return APIError("ClientException")
	}
	f.directories[id] = r
	return nil
}

func (f *Directory) EnableRadius(_ context.Context, in *ds.EnableRadiusInput, _ ...func(*ds.Options)) (*ds.EnableRadiusOutput, error) {
	return &ds.EnableRadiusOutput{}, f.set("EnableRadius", *in.DirectoryId, in.RadiusSettings, false)
}

func (f *Directory) UpdateRadius(_ context.Context, in *ds.UpdateRadiusInput, _ ...func(*ds.Options)) (*ds.UpdateRadiusOutput, error) {
	return &ds.UpdateRadiusOutput{}, f.set("UpdateRadius", *in.DirectoryId, in.RadiusSettings, true)
}

func (f *Directory) DisableRadius(_ context.Context, in *ds.DisableRadiusInput, _ ...func(*ds.Options)) (*ds.DisableRadiusOutput, error) {
	return &ds.DisableRadiusOutput{}, f.set("DisableRadius", *in.DirectoryId, nil, true)
}

// Secrets is a fake Secrets Manager holding string secrets by name.
type Secrets struct {
	calls
	Values map[string]string
}

func (f *Secrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if err := f.enter("GetSecretValue"); err != nil {
		return nil, err
	}
	v, ok := f.Values[*in.SecretId]
	if !ok {
		return nil, APIError("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: &v}, nil
}
