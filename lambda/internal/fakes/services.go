package fakes

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Config is a fake of AWS Config's recorder and delivery channel in one region.
type Config struct {
	calls
	mu        sync.Mutex
	Recorder  string // recorder name; "" means none exists
	Recording bool
	Channel   *cfgtypes.DeliveryChannel // nil means none exists
}

// DescribeConfigurationRecorderStatus reports the named recorder's status.
func (f *Config) DescribeConfigurationRecorderStatus(_ context.Context, in *configservice.DescribeConfigurationRecorderStatusInput, _ ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error) {
	if err := f.enter("DescribeConfigurationRecorderStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range in.ConfigurationRecorderNames {
		if n != f.Recorder || f.Recorder == "" {
			return nil, APIError("NoSuchConfigurationRecorderException")
		}
	}
	if f.Recorder == "" {
		return &configservice.DescribeConfigurationRecorderStatusOutput{}, nil
	}
	return &configservice.DescribeConfigurationRecorderStatusOutput{ConfigurationRecordersStatus: []cfgtypes.ConfigurationRecorderStatus{
		{Name: aws.String(f.Recorder), Recording: f.Recording},
	}}, nil
}

// StartConfigurationRecorder starts the recorder; Config requires a delivery channel first.
func (f *Config) StartConfigurationRecorder(_ context.Context, in *configservice.StartConfigurationRecorderInput, _ ...func(*configservice.Options)) (*configservice.StartConfigurationRecorderOutput, error) {
	if err := f.enter("StartConfigurationRecorder"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case aws.ToString(in.ConfigurationRecorderName) != f.Recorder || f.Recorder == "":
		return nil, APIError("NoSuchConfigurationRecorderException")
	case f.Channel == nil:
		return nil, APIError("NoAvailableDeliveryChannelException")
	}
	f.Recording = true
	return &configservice.StartConfigurationRecorderOutput{}, nil
}

// DescribeDeliveryChannels returns the named channel.
func (f *Config) DescribeDeliveryChannels(_ context.Context, in *configservice.DescribeDeliveryChannelsInput, _ ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error) {
	if err := f.enter("DescribeDeliveryChannels"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range in.DeliveryChannelNames {
		if f.Channel == nil || aws.ToString(f.Channel.Name) != n {
			return nil, APIError("NoSuchDeliveryChannelException")
		}
	}
	out := &configservice.DescribeDeliveryChannelsOutput{}
	if f.Channel != nil {
		out.DeliveryChannels = []cfgtypes.DeliveryChannel{*f.Channel}
	}
	return out, nil
}

// PutDeliveryChannel creates or replaces the channel (one per region, as in Config).
func (f *Config) PutDeliveryChannel(_ context.Context, in *configservice.PutDeliveryChannelInput, _ ...func(*configservice.Options)) (*configservice.PutDeliveryChannelOutput, error) {
	if err := f.enter("PutDeliveryChannel"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.DeliveryChannel == nil || aws.ToString(in.DeliveryChannel.S3BucketName) == "" {
		return nil, APIError("NoSuchBucketException")
	}
	if f.Channel != nil && aws.ToString(f.Channel.Name) != aws.ToString(in.DeliveryChannel.Name) {
		return nil, APIError("MaxNumberOfDeliveryChannelsExceededException")
	}
	c := *in.DeliveryChannel
	f.Channel = &c
	return &configservice.PutDeliveryChannelOutput{}, nil
}

// StopRecorder and DeleteChannel are what an intruder does.
func (f *Config) StopRecorder() { f.mu.Lock(); f.Recording = false; f.mu.Unlock() }

// DeleteChannel deletes the delivery channel (Config allows it only with the recorder stopped).
func (f *Config) DeleteChannel() { f.mu.Lock(); f.Recording = false; f.Channel = nil; f.mu.Unlock() }

// Trail is the fake's state of one trail.
type Trail struct {
	Name, Bucket, KMSKeyID                                       string
	Logging, MultiRegion, GlobalServiceEvents, LogFileValidation bool
}

// CloudTrail is a fake of the CloudTrail trail API.
type CloudTrail struct {
	calls
	mu     sync.Mutex
	Trails map[string]*Trail // by name
}

func (f *CloudTrail) find(nameOrARN string) (*Trail, error) {
	for n, t := range f.Trails {
		if n == nameOrARN || len(nameOrARN) > len(n) && nameOrARN[len(nameOrARN)-len(n)-1:] == "/"+n {
			return t, nil
		}
	}
	return nil, APIError("TrailNotFoundException")
}

// GetTrailStatus reports whether the trail logs.
func (f *CloudTrail) GetTrailStatus(_ context.Context, in *cloudtrail.GetTrailStatusInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	if err := f.enter("GetTrailStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.find(aws.ToString(in.Name))
	if err != nil {
		return nil, err
	}
	return &cloudtrail.GetTrailStatusOutput{IsLogging: aws.Bool(t.Logging)}, nil
}

// StartLogging starts the trail.
func (f *CloudTrail) StartLogging(_ context.Context, in *cloudtrail.StartLoggingInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.StartLoggingOutput, error) {
	if err := f.enter("StartLogging"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.find(aws.ToString(in.Name))
	if err != nil {
		return nil, err
	}
	t.Logging = true
	return &cloudtrail.StartLoggingOutput{}, nil
}

// UpdateTrail applies the set fields.
func (f *CloudTrail) UpdateTrail(_ context.Context, in *cloudtrail.UpdateTrailInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.UpdateTrailOutput, error) {
	if err := f.enter("UpdateTrail"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.find(aws.ToString(in.Name))
	if err != nil {
		return nil, err
	}
	if in.IsMultiRegionTrail != nil {
		t.MultiRegion = *in.IsMultiRegionTrail
	}
	if in.IncludeGlobalServiceEvents != nil {
		t.GlobalServiceEvents = *in.IncludeGlobalServiceEvents
	}
	if in.EnableLogFileValidation != nil {
		t.LogFileValidation = *in.EnableLogFileValidation
	}
	if in.KmsKeyId != nil {
		t.KMSKeyID = *in.KmsKeyId
	}
	if in.S3BucketName != nil {
		t.Bucket = *in.S3BucketName
	}
	return &cloudtrail.UpdateTrailOutput{Name: aws.String(t.Name)}, nil
}

// SNS records published messages.
type SNS struct {
	calls
	mu        sync.Mutex
	Published []*sns.PublishInput
}

// Publish records the message.
func (f *SNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if err := f.enter("Publish"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Published = append(f.Published, in)
	return &sns.PublishOutput{MessageId: aws.String("m")}, nil
}

// Messages returns the published message bodies.
func (f *SNS) Messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.Published))
	for i, p := range f.Published {
		out[i] = aws.ToString(p.Message)
	}
	return out
}
