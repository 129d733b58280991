variable "region" {
  description = "AWS region of the VM and its registry."
  type        = string
  default     = "eu-central-1"
}

variable "zone_letter" {
  description = "Availability zone of the VM and its data volume, as the letter after the region's name."
  type        = string
  default     = "a"
}

variable "instance_type" {
  description = "The VM: 2 vCPUs and 2 GiB run the three services and Prometheus (about 65 MiB each under load)."
  type        = string
  default     = "t3.small"
}

variable "image_tag" {
  description = "Tag of the warehouse image in the ECR repository this module makes (push it there; README, Deploy)."
  type        = string
  default     = "0.1.0"
}

variable "console_cidrs" {
  description = "Who may reach the console on port 8090 (the only open port), as CIDR blocks."
  type        = list(string)
  validation {
    condition     = length(var.console_cidrs) > 0 && alltrue([for cidr in var.console_cidrs : can(cidrnetmask(cidr))])
    error_message = "console_cidrs: at least one IPv4 CIDR block, such as 203.0.113.0/24."
  }
}

variable "data_volume_gib" {
  description = "Size of the encrypted volume that holds the databases and Prometheus' data."
  type        = number
  default     = 20
}

variable "ami_parameter" {
  description = "SSM public parameter that names the current Ubuntu 24.04 LTS image (Canonical publishes it)."
  type        = string
  default     = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
}
