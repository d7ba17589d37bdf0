resource "aws_bedrock_provisioned_model_throughput" "summaries" {
  model_arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
  model_id  = "anthropic.claude-3-haiku-20240307-v1:0"
}
