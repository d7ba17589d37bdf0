package app

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

// The cross-region inference profile of Claude 3.5 Sonnet.
var modelID = "us.anthropic.claude-3-5-sonnet-20240620-v1:0"

var _ = bedrockruntime.ConverseInput{}
