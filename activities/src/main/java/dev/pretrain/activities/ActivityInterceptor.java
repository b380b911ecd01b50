package dev.pretrain.activities;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.util.function.Supplier;

/**
 * A worker interceptor around each activity execution that needs the activity's context (its type,
 * attempt, heartbeat): Temporal hands the context to {@code init} and the input to {@code execute}
 * separately; this joins them, so an interceptor writes only what it does around the call.
 */
public abstract class ActivityInterceptor extends WorkerInterceptorBase {

  @Override
  public final ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityExecutionContext context;

      @Override
      public void init(ActivityExecutionContext context) {
        this.context = context;
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        return ActivityInterceptor.this.execute(context, input, () -> super.execute(input));
      }
    };
  }

  /**
   * One execution of an activity.
   *
   * @param proceed runs the next interceptor and, in the end, the activity itself
   */
  protected abstract ActivityInboundCallsInterceptor.ActivityOutput execute(ActivityExecutionContext context,
      ActivityInboundCallsInterceptor.ActivityInput input, Supplier<ActivityInboundCallsInterceptor.ActivityOutput> proceed);
}
