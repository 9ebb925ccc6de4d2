"""What a model says about texts: scoring, comparing groups, explaining, inspecting, suggesting labels."""
