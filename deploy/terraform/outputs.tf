output "console_url" {
  description = "The console."
  value       = "http://${aws_instance.vm.public_ip}:8090"
}

output "repository_url" {
  description = "Push the image here (README, Deploy)."
  value       = aws_ecr_repository.warehouse.repository_url
}

output "instance_id" {
  description = "For `aws ssm start-session --target` and `aws ssm send-command`."
  value       = aws_instance.vm.id
}
