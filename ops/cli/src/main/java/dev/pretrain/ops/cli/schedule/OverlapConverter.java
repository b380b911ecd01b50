package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.schedule.Overlap;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

public final class OverlapConverter implements ITypeConverter<Overlap> {
  @Override
  public Overlap convert(String value) {
    try {
      return Overlap.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
