"""The control plane: where the AWS APIs come from (backends), what the stack is (blueprint),
applying it through boto3 (provision), and what was made (record, endpoints)."""
