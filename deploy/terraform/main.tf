# One small VM that runs deploy/compose.yaml: the whole system on one host, the console the only open
# port, the databases on an encrypted volume of their own that outlives the VM, the image from a
# private ECR repository, no SSH (AWS Systems Manager's Session Manager instead).

data "aws_ssm_parameter" "ubuntu" {
  name = var.ami_parameter
}

locals {
  zone  = "${var.region}${var.zone_letter}"
  image = "${aws_ecr_repository.warehouse.repository_url}:${var.image_tag}"
}

# The network: one VPC, one public subnet, nothing else reachable.

resource "aws_vpc" "warehouse" {
  #checkov:skip=CKV2_AWS_11:Flow logs cost more than this one-VM demo (CloudWatch ingestion); the only open port is the console's. Add aws_flow_log for production.
  cidr_block           = "10.42.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "warehouse" }
}

# The VPC's default security group allows nothing: every rule this VM needs is in its own group.
resource "aws_default_security_group" "closed" {
  vpc_id = aws_vpc.warehouse.id
}

resource "aws_internet_gateway" "warehouse" {
  vpc_id = aws_vpc.warehouse.id
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.warehouse.id
  cidr_block        = "10.42.1.0/24"
  availability_zone = local.zone
  tags              = { Name = "warehouse-public" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.warehouse.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.warehouse.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "vm" {
  name        = "warehouse-vm"
  description = "The console from the allowed networks; out only to HTTPS and HTTP (packages, ECR, SSM)"
  vpc_id      = aws_vpc.warehouse.id

  ingress {
    description = "The console, the only published port"
    from_port   = 8090
    to_port     = 8090
    protocol    = "tcp"
    cidr_blocks = var.console_cidrs
  }

  egress {
    description = "HTTPS to ECR, Systems Manager and the Ubuntu mirrors"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "HTTP to the Ubuntu package mirrors"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The image registry.

resource "aws_ecr_repository" "warehouse" {
  name                 = "warehouse"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "warehouse" {
  repository = aws_ecr_repository.warehouse.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 20 images: enough to roll back"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

# What the VM may do: pull from the registry, be reached by Session Manager.

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "vm" {
  name               = "warehouse-vm"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.vm.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# Pull from this repository only (the managed read-only policy would open every repository).
data "aws_iam_policy_document" "pull" {
  statement {
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.warehouse.arn]
  }
}

resource "aws_iam_role_policy" "pull" {
  name   = "pull-warehouse-image"
  role   = aws_iam_role.vm.id
  policy = data.aws_iam_policy_document.pull.json
}

resource "aws_iam_instance_profile" "vm" {
  name = "warehouse-vm"
  role = aws_iam_role.vm.name
}

# The data: its own encrypted volume, kept when the VM is replaced.

resource "aws_ebs_volume" "data" {
  #checkov:skip=CKV_AWS_189:Encrypted with the account's AWS-managed EBS key; a customer-managed KMS key adds cost and key administration for no gain here.
  availability_zone = local.zone
  size              = var.data_volume_gib
  type              = "gp3"
  encrypted         = true
  tags              = { Name = "warehouse-data" }
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.vm.id
}

# The VM.

resource "aws_instance" "vm" {
  #checkov:skip=CKV_AWS_88:The console must be reachable: a public address with one port (8090) open to var.console_cidrs; a load balancer would cost more than the VM.
  #checkov:skip=CKV_AWS_126:Detailed (1-minute) CloudWatch monitoring costs extra; Prometheus on the VM scrapes every service every 5 s.
  ami                         = data.aws_ssm_parameter.ubuntu.value
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.public.id
  vpc_security_group_ids      = [aws_security_group.vm.id]
  iam_instance_profile        = aws_iam_instance_profile.vm.name
  associate_public_ip_address = true
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 10
    encrypted   = true
  }

  user_data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
    region         = var.region
    registry       = split("/", aws_ecr_repository.warehouse.repository_url)[0]
    image          = local.image
    data_volume_id = replace(aws_ebs_volume.data.id, "-", "")
    compose        = file("${path.module}/../compose.yaml")
    prometheus     = file("${path.module}/../prometheus/prometheus.yml")
    alerts         = file("${path.module}/../prometheus/alerts.yml")
  })

  tags = { Name = "warehouse" }

  lifecycle {
    # A new Ubuntu image or a changed start-up script must not replace a VM that serves: roll out a new
    # version with the commands in the README instead, and replace the VM on purpose (-replace).
    ignore_changes = [ami, user_data]
  }
}
