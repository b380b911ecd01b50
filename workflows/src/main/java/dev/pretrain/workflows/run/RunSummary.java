package dev.pretrain.workflows.run;

import java.util.List;

public record RunSummary(String runId, String status, List<StepSummary> steps) {}
