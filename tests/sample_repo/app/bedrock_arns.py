import boto3

runtime = boto3.client("bedrock-runtime", region_name="us-east-1")
HAIKU = "arn:aws:bedrock:us-east-1:123456789012:foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
# an application inference profile's ARN ends in an opaque id: it names no model
TAGGED = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
