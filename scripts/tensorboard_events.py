#!/usr/bin/env python3
"""Prints the scalars of TensorBoard event files as CSV (tag, step, value, wall_time).

    scripts/tensorboard_events.py RUN_DIR_OR_EVENT_FILE [...]

Reads every events.out.tfevents.* file below the given folders (or the given files), checks
each TFRecord's length and payload CRC-32C, and decodes the Event protocol buffers with
python3-protobuf from descriptors built here (no TensorFlow, no generated code). A file that is
truncated or fails a CRC check is an error naming the file and the byte offset.
"""
import argparse
import csv
import os
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def event_class():
    """tensorflow.Event with the fields scalars use (tensorflow/core/util/event.proto)."""
    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="protoseg_event.proto", package="tensorflow",
                                               syntax="proto3")
    value = proto.message_type.add(name="SummaryValue")
    value.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL)
    summary = proto.message_type.add(name="Summary")
    summary.field.add(name="value", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                      type_name=".tensorflow.SummaryValue")
    event = proto.message_type.add(name="Event")
    event.field.add(name="wall_time", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    event.field.add(name="summary", number=5, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
                    type_name=".tensorflow.Summary")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    descriptor = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    offset = 0
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError(f"{path}: truncated record header at byte {offset}")
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
        if masked(crc32c(header)) != length_crc:
            raise ValueError(f"{path}: bad length CRC at byte {offset}")
        end = offset + 12 + length
        if end + 4 > len(data):
            raise ValueError(f"{path}: truncated record at byte {offset}")
        payload = data[offset + 12:end]
        (payload_crc,) = struct.unpack("<I", data[end:end + 4])
        if masked(crc32c(payload)) != payload_crc:
            raise ValueError(f"{path}: bad payload CRC at byte {offset}")
        yield payload
        offset = end + 4


def event_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, _, names in sorted(os.walk(path)):
                for name in sorted(names):
                    if name.startswith("events.out.tfevents."):
                        yield os.path.join(root, name)
        else:
            yield path


def scalars(paths):
    """(file, tag, step, value, wall_time) of every scalar; the first event must be the version."""
    Event = event_class()
    for path in event_files(paths):
        for index, payload in enumerate(records(path)):
            event = Event()
            event.ParseFromString(payload)
            if index == 0:
                if event.file_version != "brain.Event:2":
                    raise ValueError(f"{path}: first event is not the file version")
                continue
            for value in event.summary.value:
                yield path, value.tag, event.step, value.simple_value, event.wall_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    writer = csv.writer(sys.stdout)
    writer.writerow(["file", "tag", "step", "value", "wall_time"])
    try:
        for row in scalars(args.paths):
            writer.writerow(row)
    except (ValueError, OSError) as error:
        sys.exit(f"tensorboard_events: {error}")


if __name__ == "__main__":
    main()
