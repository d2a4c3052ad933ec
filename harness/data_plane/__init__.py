"""The data plane: what AWS runs and the emulators do not (CloudFront edge, ALB, ECS agent, the
push sink standing in for fans' devices). Each part reads its settings through the AWS APIs."""
