public enum VeoEmulatorInfo {}
